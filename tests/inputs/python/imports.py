import os
import numpy as np
import matplotlib.pyplot as plt
import tensorflow as tf
from tensorflow import keras
from keras import layers as L
from keras.layers import Dense
import keras.layers
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
tf.random.set_seed(42)
keras.utils.set_random_seed(1)
model = tf.keras.models.Sequential([
    tf.keras.layers.Flatten(input_shape=[28, 28]),
    L.Dense(128, activation=keras.activations.relu),
    keras.layers.Dense(10, activation=None, use_bias=True),
    Dense(10),
])
model.summary()
plt.plot([1, 2, 3]); plt.show()
