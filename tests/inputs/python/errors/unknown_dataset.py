# expect: 3:40: data set 'imdb' is not supported (kiln knows mnist, fashion_mnist, cifar10 and cifar100)
import keras
(x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data()
