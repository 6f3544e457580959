"""What the papers draw, as the tests compare it."""

# AlexNet at 227x227 in the papers' words, one box per conv, pool and fc layer (torchvision's variant:
# 64 filters in conv1); its adaptive pool to 6x6 is an identity at 227 and sits before the first fc.
ALEXNET_227_BOXES = [
    "11x11 conv, 64, /4",
    "3x3 max pool, /2",
    "5x5 conv, 192",
    "3x3 max pool, /2",
    "3x3 conv, 384",
    "3x3 conv, 256",
    "3x3 conv, 256",
    "3x3 max pool, /2",
    "fc 4096",
    "fc 4096",
    "fc 1000",
]
