# expect: 3:45: cannot name positional argument 1 of keras.losses.CategoricalCrossentropy; pass it by keyword
import keras
loss = keras.losses.CategoricalCrossentropy(True)
