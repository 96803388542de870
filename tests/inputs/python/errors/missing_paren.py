# expect: 3:41: invalid syntax: expected ')' before 'activation'
import keras
d = keras.layers.Dense(3, use_bias=True activation="relu")
