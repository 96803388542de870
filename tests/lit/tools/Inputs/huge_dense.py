# 10^15 weights in one Dense kernel: 3.6 PB of float32.
import keras
from keras import layers

model = keras.Sequential([
    keras.Input(shape=(1000000,)),
    layers.Dense(1000000000),
    layers.Dense(10, activation="softmax"),
])
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
