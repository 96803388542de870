# expect: 4:26: '[' was never closed
import keras
from keras import layers
model = keras.Sequential([
    keras.Input(shape=(4,)),
    layers.Dense(3),
