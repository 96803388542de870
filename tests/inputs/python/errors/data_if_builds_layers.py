# expect: 9:29: model outputs must be Keras tensors, not a value computed from data: 'x', set in the 'if' at line 6, which kiln skips because it depends on data ('x_train.shape[1] > 100', line 6)
import keras
(x_train, y_train), _ = keras.datasets.mnist.load_data()
inputs = keras.Input(shape=(784,))
x = inputs
if x_train.shape[1] > 100:
    x = keras.layers.Dense(64)(x)
x = keras.layers.Dense(10)(x)
model = keras.Model(inputs, x)
