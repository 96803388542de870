"""
Custom layers and a subclassed model, in the style of keras.io's examples.
The model is traced through call(); the blocks' layers join the model.

Expected (computed by hand): 1,514 parameters, 48 non-trainable.
"""

from dataclasses import dataclass
import keras
from keras import layers

try:
    import tensorflow_addons as tfa
except ImportError:
    tfa = None


@dataclass
class Config:
    widths: tuple = (8, 16)
    num_classes: int = 10
    image_shape: tuple = (28, 28, 1)


config = Config()


@keras.saving.register_keras_serializable()
class ConvBlock(layers.Layer):
    """Conv -> BatchNorm -> ReLU."""

    def __init__(self, filters, kernel_size=3, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.conv = layers.Conv2D(filters, kernel_size, padding="same")
        self.norm = layers.BatchNormalization()
        self.act = layers.ReLU()

    def call(self, x, training=False):
        return self.act(self.norm(self.conv(x), training=training))

    def get_config(self):
        config = super().get_config()
        config.update({"filters": self.filters})
        return config


class SmallNet(keras.Model):
    def __init__(self, widths, num_classes, **kwargs):
        super().__init__(**kwargs)
        self.blocks = [
            ConvBlock(w, name=f"block_{i}") for i, w in enumerate(widths)
        ]
        self.pools = [layers.MaxPooling2D() for _ in widths]
        self.head = keras.Sequential(
            [layers.GlobalAveragePooling2D(), layers.Dense(num_classes)]
        )

    def call(self, inputs, training=False):
        x = inputs
        for block, pool in zip(self.blocks, self.pools):
            x = pool(block(x, training=training))
        return self.head(x)


widths = [w for w in config.widths]
model = SmallNet(widths, config.num_classes, name="small_net")
model.build((None, *config.image_shape))
model.compile(
    optimizer="adam",
    loss=keras.losses.SparseCategoricalCrossentropy(True),
    metrics=["accuracy"],
)

if __name__ == "__main__":
    (x_train, y_train), _ = keras.datasets.mnist.load_data()
    x_train = x_train[..., None].astype("float32") / 255.0
    model.fit(x_train, y_train, batch_size=128, epochs=2)
