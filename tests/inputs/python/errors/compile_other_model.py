# expect: 5:1: compile() is called on model 'first', but the model kiln reads is 'second', the last one built
import keras
a = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)], name="first")
b = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)], name="second")
a.compile(loss="mse", optimizer="sgd")
