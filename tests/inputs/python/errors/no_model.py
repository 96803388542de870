# expect: 1:1: no Keras model is built in this script: kiln needs keras.Sequential(...) or keras.Model(...)
import keras
num_classes = 10
