# expect: 7:9: the model's outputs depend on input 'input_layer_1', which is not among its inputs
import keras
from keras import layers
a = keras.Input(shape=(4,))
b = keras.Input(shape=(4,))
c = layers.Concatenate()([a, b])
model = keras.Model(a, c)
