# expect: 8:5: in layer 'dense_1' (Dense): the layer is used a second time: shared layers are not supported
import keras
from keras import layers
inputs = keras.Input(shape=(8,))
hidden = layers.Dense(8)(inputs)
shared = layers.Dense(8)
a = shared(hidden)
b = shared(a)
model = keras.Model(inputs, b)
