# expect: 6:5: model 'distiller' (class Distiller) overrides train_step(): kiln trains models with Keras's built-in training step only
import keras
class Distiller(keras.Model):
    def call(self, x):
        return keras.layers.Dense(2)(x)
    def train_step(self, data):
        return {}
model = Distiller()
model.build((None, 4))
model.compile(optimizer="adam", loss="mse")
