# expect: 2:7: invalid character '$' in source
x = 3 $ 4
