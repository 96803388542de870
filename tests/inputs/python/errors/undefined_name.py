# expect: 7:18: in layer 'dense' (Dense): name 'num_clases' is not defined
import keras
from keras import layers
num_classes = 10
model = keras.Sequential([
    keras.Input(shape=(784,)),
    layers.Dense(num_clases, activation="softmax"),
])
