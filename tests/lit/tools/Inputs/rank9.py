# An input of 9 dimensions with the batch: more than kiln's kernels take.
import keras
from keras import layers

model = keras.Sequential([
    keras.Input(shape=(2, 2, 2, 2, 2, 2, 2, 2)),
    layers.Flatten(),
    layers.Dense(10, activation="softmax"),
])
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
