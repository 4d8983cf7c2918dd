#!/bin/sh
# make demo: train on the bundled demo corpus, evaluate, predict a few lines.
set -eu
bin=${1:-build/textclf}
echo "== textclf train configs/demo.yaml"
"$bin" train configs/demo.yaml
echo
echo "== textclf eval build/demo.bin data/demo_test.csv"
"$bin" eval build/demo.bin data/demo_test.csv
echo
echo "== textclf predict build/demo.bin (four sentences on standard input)"
printf '%s\n' \
    "The striker scored twice before half-time and the crowd went wild." \
    "明天有大雨，记得带伞。" \
    "Add the garlic to the pan and simmer the tomato sauce for ten minutes." \
    "The new phone ships with a faster chip and longer battery life." |
    "$bin" predict build/demo.bin -k 2
