# expect: 3:9: module 'keras' has no attribute 'layer' that kiln supports
import keras
dense = keras.layer.Dense(3)
