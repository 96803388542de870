# expect: 7:5: model 'functional' is used as a layer a second time: shared models are not supported
import keras
inputs = keras.Input(shape=(8,))
encoder = keras.Model(inputs, keras.layers.Dense(4)(inputs))
a = keras.Input(shape=(8,))
b = encoder(a)
c = encoder(b)
