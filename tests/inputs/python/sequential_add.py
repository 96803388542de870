# Keras 2 style: tf.keras, Sequential() then add(), input_shape= on the first layer.
import tensorflow as tf
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Dense, Conv2D, MaxPooling2D, Flatten, \
    Dropout

(x_train, y_train), (x_test, y_test) = tf.keras.datasets.fashion_mnist.load_data()
x_train, x_test = x_train / 255.0, x_test / 255.0
x_train = x_train.reshape(-1, 28, 28, 1)

model = Sequential(name="fashion")
model.add(Conv2D(16, (3, 3), activation='relu', input_shape=(28, 28, 1)))
model.add(MaxPooling2D())
model.add(Flatten())
model.add(Dense(64, activation=tf.nn.relu,
                kernel_regularizer=tf.keras.regularizers.l2(0.01)))
model.add(Dropout(.5))
model.add(Dense(10, activation='softmax', name="logits"))

model.compile(optimizer=tf.keras.optimizers.Adam(1e-3),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(),
              metrics=['accuracy'])
history = model.fit(x_train, y_train, epochs=2 * 3, batch_size=2 ** 6,
                    validation_data=(x_test, y_test))
plt_data = history.history['loss']
