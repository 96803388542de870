# expect: 6:18: in layer 'dense' (Dense): argument 1 must be a constant, not a value computed from data: 'x_train.shape[1]', computed from 'x_train' (line 4)
import keras
from keras import layers
(x_train, y_train), _ = keras.datasets.mnist.load_data()
model = keras.Sequential([keras.Input(shape=(784,)),
    layers.Dense(x_train.shape[1])])
