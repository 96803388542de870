# expect: 5:18: add_weight() is not supported: kiln gives a custom layer only the weights of the Keras layers it uses
import keras
class Scale(keras.layers.Layer):
    def build(self, input_shape):
        self.w = self.add_weight(shape=(1,))
    def call(self, x):
        return x
inputs = keras.Input(shape=(4,))
y = Scale()(inputs)
