# expect: 6:33: in layer 'conv2d_1' (Conv2D): argument 'padding' must be a constant, not a value computed from data: 'f"{x_train.dtype}"', computed from 'x_train' (line 4)
import keras
from keras import layers
(x_train, y_train), _ = keras.datasets.mnist.load_data()
model = keras.Sequential([keras.Input(shape=(28, 28, 1)), layers.Conv2D(8, 3),
    layers.Conv2D(8, 3, padding=f"{x_train.dtype}")])
