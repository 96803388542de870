import numpy as np
import keras
from keras import layers

num_classes = 10
widths = [128, 64]


def build(hidden, dropout=0.25):
    model = keras.Sequential()
    model.add(keras.Input(shape=(784,)))
    for i, units in enumerate_pairs(hidden):
        model.add(layers.Dense(units, activation="relu", name="hidden_" + str(i)))
        model.add(layers.Dropout(dropout))
    model.add(layers.Dense(num_classes, activation="softmax"))
    return model


def enumerate_pairs(xs):
    pairs = []
    for k in range(len(xs)):
        pairs = pairs + [(k, xs[k])]
    return pairs


model = build(widths)
model.compile(loss="categorical_crossentropy", optimizer="adam")
