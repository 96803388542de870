# expect: 4:1: unsupported statement 'if'
import keras
use_dropout = True
if use_dropout:
    pass
