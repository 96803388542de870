# expect: 6:27: in layer 'conv2d_1' (Conv2D): f-strings are not supported in argument 'padding'
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(28, 28, 1)), layers.Conv2D(8, 3),
    layers.Conv2D(8, 3,
                  padding=f"same")])
