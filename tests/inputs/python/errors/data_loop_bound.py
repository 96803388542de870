# expect: 7:30: in layer 'dense' (Dense): argument 1 must be a constant, not a value computed from data: 'width', set in the 'for' at line 5, which kiln skips because it depends on data ('range(len(x_train))', line 5)
import keras
(x_train, y_train), _ = keras.datasets.mnist.load_data()
width = 8
for i in range(len(x_train)):
    width = width * 2
layers = [keras.layers.Dense(width)]
model = keras.Sequential([keras.Input(shape=(4,))] + layers)
