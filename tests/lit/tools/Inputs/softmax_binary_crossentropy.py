import keras
from keras import layers

model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Conv2D(8, kernel_size=3, activation="relu"),
    layers.Flatten(),
    layers.Dense(10, activation="softmax"),
])
(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
