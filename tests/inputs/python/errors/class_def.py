# expect: 3:1: unsupported statement 'class'
import keras
class MyModel(keras.Model):
    pass
