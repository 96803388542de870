# Small weights, but a convolution whose output holds 5.8 * 10^10 elements
# per sample, beyond the 2^31 that Halide's int32 extents address.
import keras
from keras import layers

model = keras.Sequential([
    keras.Input(shape=(30000, 30000, 1)),
    layers.Conv2D(64, 3),
    layers.GlobalAveragePooling2D(),
    layers.Dense(10, activation="softmax"),
])
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
