# Tokenizer tests: HF tokenizers' encode/decode cases for both tokenizer.json variants.
kiln_add_unit_test(tokenizer ${CMAKE_CURRENT_LIST_DIR}/test_tokenizer.c)
