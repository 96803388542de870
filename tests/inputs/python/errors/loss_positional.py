# expect: 3:29: cannot name positional argument 1 of keras.metrics.MeanIoU; pass it by keyword
import keras
iou = keras.metrics.MeanIoU(3)
