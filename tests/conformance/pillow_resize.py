#!/usr/bin/env python3
"""Reference preprocessing for EdgePali's conformance tests: what the Hugging Face SiglipImageProcessor does
to an image, done with Pillow and numpy.

For every PNG given, writes next to it:
  NAME.rgb  the Pillow BICUBIC-resized image, uint8, S x S x 3 (HWC, RGB)
  NAME.f32  pixel_values, float32, 3 x S x S (CHW): rescale (float64 then float32), then (x - mean) / std

Steps as in transformers (convert_rgb, resize with PIL, rescale, normalize):
  image.convert("RGB").resize((S, S), Image.BICUBIC)      # reducing_gap None, no crop
Usage: pillow_resize.py --size 224 [--rescale 0.00392156862745098] [--mean 0.5 0.5 0.5] [--std 0.5 0.5 0.5] a.png b.png ...
"""
import argparse
import sys

import numpy as np
import PIL
from PIL import Image


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--rescale", type=float, default=1 / 255)
    parser.add_argument("--mean", type=float, nargs=3, default=[0.5, 0.5, 0.5])
    parser.add_argument("--std", type=float, nargs=3, default=[0.5, 0.5, 0.5])
    parser.add_argument("images", nargs="+")
    args = parser.parse_args()

    mean = np.array(args.mean, dtype=np.float32)
    std = np.array(args.std, dtype=np.float32)
    for path in args.images:
        with Image.open(path) as image:
            resized = image.convert("RGB").resize((args.size, args.size), Image.BICUBIC)
        rgb = np.asarray(resized, dtype=np.uint8)
        rescaled = (rgb.astype(np.float64) * args.rescale).astype(np.float32)
        normalized = (rescaled - mean) / std
        stem = path[: -len(".png")] if path.endswith(".png") else path
        rgb.tofile(stem + ".rgb")
        np.ascontiguousarray(normalized.transpose(2, 0, 1), dtype=np.float32).tofile(stem + ".f32")
    print(f"Pillow {PIL.__version__} resized {len(args.images)} images to {args.size}x{args.size}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
