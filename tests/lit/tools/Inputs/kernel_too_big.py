import keras
from keras import layers
model = keras.Sequential([
    keras.Input(shape=(4, 4, 1)),
    layers.Conv2D(8, 3),
    layers.Conv2D(8, kernel_size=5),
])
