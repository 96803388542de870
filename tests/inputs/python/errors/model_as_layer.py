# expect: 6:5: using a model as a layer is not supported
import keras
inputs = keras.Input(shape=(8,))
encoder = keras.Model(inputs, keras.layers.Dense(4)(inputs))
x = keras.Input(shape=(8,))
y = encoder(x)
