"""A small residual network written with the functional API."""
import keras
from keras import layers
from keras.models import Model

inputs = keras.Input(shape=(32, 32, 3), name="image")
x = layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
shortcut = x
conv = layers.Conv2D(32, 3, padding="same")
y = conv(x)
y = layers.BatchNormalization()(y)
x = layers.Add()([shortcut, y])
a = layers.GlobalAveragePooling2D()(x)
b = layers.GlobalMaxPooling2D()(x)
x = layers.Concatenate(axis=-1)([a, b])
outputs = layers.Dense(10, activation="softmax",
                       kernel_initializer=keras.initializers.HeNormal(seed=1))(x)
model = Model(inputs=inputs, outputs=[outputs], name="resnet_tiny")
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9),
              loss="categorical_crossentropy")
