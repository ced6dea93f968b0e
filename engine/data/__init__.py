"""The data a network learns from: IDX files and the bundled MNIST, any picture turned into an MNIST
vector, augmentation, and which images each training step gets."""
