# expect: 7:25: in layer 'conv2d' (Conv2D): argument 1 must be a constant, not a value computed from data: 'int(np.max(counts))', computed from 'np.max(counts)' (line 5)
import numpy as np
import keras
counts = np.load("counts.npy")
filters = int(np.max(counts))
inputs = keras.Input(shape=(28, 28, 1))
x = keras.layers.Conv2D(filters, 3)(inputs)
