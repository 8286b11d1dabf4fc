"""The columns, and their kinds, of the documents that the rule tests write rules against."""

COLUMNS = {"rps_doc_word_count", "rps_doc_frac_chars_top_2gram", "language", "url", "ccnet_perplexity",
           "rps_lines_num_words"}
KINDS = {"rps_doc_word_count": "number", "rps_doc_frac_chars_top_2gram": "number", "language": "string",
         "url": "string", "ccnet_perplexity": "number", "rps_lines_num_words": "list of number", "meta": "any"}
