# expect: 3:38: unterminated string literal
import keras
d = keras.layers.Dense(3, activation="relu)
