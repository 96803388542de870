# expect: 3:15: subclassing the Keras layer 'Dense' is not supported; subclass keras.layers.Layer
import keras
class MyDense(keras.layers.Dense):
    pass
