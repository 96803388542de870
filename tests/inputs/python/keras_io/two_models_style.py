"""
Several models in one script, in the style of keras.io's examples: an
encoder used as a layer of the classifier, and a probe model that is only
compiled. The model kiln reads is the one that is fit.

Expected (computed by hand): 19,466 parameters (encoder 18,816 + head 650).
"""

import math
import keras
from keras import layers
from keras.preprocessing import image as image_utils
from keras.utils import to_categorical

num_classes = 10
input_shape = (28, 28, 1)
base_lr = 1e-3

(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = x_train.reshape(-1, *input_shape).astype("float32") / 255
y_train = to_categorical(y_train, num_classes)


def build_encoder(filters=(32, 64)):
    inputs = keras.Input(shape=input_shape)
    x = inputs
    for i, f in enumerate(filters):
        x = layers.Conv2D(f, 3, activation="relu", name=f"enc_conv{i + 1}")(x)
        if i < len(filters) - 1:
            x = layers.MaxPooling2D(2)(x)
    x = layers.GlobalMaxPooling2D()(x)
    return keras.Model(inputs, x, name="encoder")


encoder = build_encoder()
inputs = keras.Input(shape=input_shape)
features = encoder(inputs)
features = layers.Dropout(0.5)(features)
outputs = layers.Dense(num_classes, activation="softmax")(features)
classifier = keras.Model(inputs, outputs, name="classifier")

probe = keras.Sequential(
    [keras.Input(shape=(64,)), layers.Dense(num_classes)], name="probe"
)
probe.compile(optimizer="sgd", loss="mse")

first_conv = classifier.layers[1]
print(first_conv.name, len(classifier.layers))


def schedule(epoch, lr):
    return lr if epoch < 2 else lr * math.exp(-0.1)


lr = keras.optimizers.schedules.ExponentialDecay(base_lr, 1000, 0.96)
classifier.compile(
    optimizer=keras.optimizers.Adam(lr),
    loss="categorical_crossentropy",
    metrics=["accuracy", keras.metrics.TopKCategoricalAccuracy(3, name="top3")],
)
history = classifier.fit(
    x_train,
    y_train,
    batch_size=128,
    epochs=3,
    validation_split=0.1,
    callbacks=[keras.callbacks.CSVLogger("training.csv")],
)
for key, values in history.history.items():
    print(f"{key}: {values[-1]:.4f}")
