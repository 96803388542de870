# expect: 5:5: operator '+' on Keras tensors is not supported; use a layer such as layers.Add()
import keras
x = keras.Input(shape=(4,))
y = keras.layers.Dense(4)(x)
z = x + y
