import keras
from keras import layers
inputs = keras.Input(shape=(8, 8, 3))
a = layers.Conv2D(4, 3)(inputs)
b = layers.Conv2D(5, 3)(inputs)
out = layers.Add()([a, b])
model = keras.Model(inputs, out)
