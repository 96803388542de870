# expect: 4:9: the Sequential model 'sequential' has no input shape: add keras.Input(shape=...) as its first layer
import keras
from keras import layers
model = keras.Sequential()
model.add(layers.Dense(10))
