/* test_sentiment.c - the sentiment engine's rules one by one, on a small lexicon written here */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cb_error.h"
#include "sent_engine.h"
#include "sent_lexicon.h"
#include "sent_rolling.h"

static char s_dir[64];
static sent_lexicon_t *s_lex;

static void
s_write(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", s_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int
s_setup(void **state)
{
    (void) state;
    snprintf(s_dir, sizeof s_dir, "/tmp/cb-sent-XXXXXX");
    if (mkdtemp(s_dir) == NULL) {
        return -1;
    }
    s_write("lexicon_general.tsv", "# test lexicon\ngood\t2\ngreat\t3\nbad\t-2\nterrible\t-3\n"
                                   "weak\t-2\nlove\t3\nawful\t-3\n:)\t2\n:(\t-2\n:D\t2.5\n");
    s_write("lexicon_crypto.tsv", "moon\t3\ndump\t-3\nrug pull\t-4\nto the moon\t4\n"
                                  "\xf0\x9f\x9a\x80\t3\n\xf0\x9f\x93\x89\t-2\nbullish\t2\nup #\t1.5\n");
    s_write("modifiers.tsv", "not\tnegator\t-0.75\nnever\tnegator\t-0.75\nvery\tintensifier\t1.3\n"
                             "slightly\tdampener\t0.6\nbut\tcontrast\t1.5\n");
    s_write("symbols.tsv", "bitcoin\tBTC\nether\tETH\nshiba inu\tSHIB\n");
    char err[256];
    s_lex = sent_lexicon_load(s_dir, err, sizeof err);
    return s_lex != NULL ? 0 : -1;
}

static int
s_teardown(void **state)
{
    (void) state;
    sent_lexicon_destroy(&s_lex);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static sent_result_t
s_run(const char *text)
{
    sent_result_t r;
    char err[256];
    int rc = sent_analyze(s_lex, text, strlen(text), &r, err, sizeof err);
    if (rc != 0) {
        fail_msg("'%s' refused: %s", text, err);
    }
    return r;
}

static void
test_basic_labels(void **state)
{
    (void) state;
    assert_int_equal(s_run("This is good").label, SENT_BULLISH);
    assert_int_equal(s_run("This is bad").label, SENT_BEARISH);
    sent_result_t r = s_run("The market opens at nine.");
    assert_int_equal(r.label, SENT_NEUTRAL);
    assert_int_equal(r.term_count, 0);
    assert_true(r.confidence >= 0.8);
    assert_true(s_run("great").score > s_run("good").score);
}

static void
test_negation_scope(void **state)
{
    (void) state;
    assert_int_equal(s_run("This is not good").label, SENT_BEARISH);
    assert_int_equal(s_run("not bad at all").label, SENT_BULLISH);
    assert_int_equal(s_run("it isn't good").label, SENT_BEARISH);
    /* "never ... this weak" is emphasis, not negation: out of scope. */
    assert_int_equal(s_run("never seen it this weak").label, SENT_BEARISH);
    /* A clause boundary ends the scope. */
    assert_int_equal(s_run("not now. this is good").label, SENT_BULLISH);
}

static void
test_intensifiers_and_dampeners(void **state)
{
    (void) state;
    double plain = s_run("good").score;
    assert_true(s_run("very good").score > plain);
    assert_true(s_run("slightly good").score < plain);
    assert_true(s_run("slightly good").score > 0);
}

static void
test_contrast(void **state)
{
    (void) state;
    assert_int_equal(s_run("the food was good but the service was terrible").label, SENT_BEARISH);
    assert_int_equal(s_run("the service was bad but the food was great").label, SENT_BULLISH);
}

static void
test_emphasis_caps_elongation(void **state)
{
    (void) state;
    double plain = s_run("this is good").score;
    assert_true(s_run("this is GOOD").score > plain);
    assert_true(s_run("this is good!!!").score > plain);
    assert_true(s_run("this is soooo goooood").score > plain);
    /* A headline in capitals is not emphasis. */
    assert_true(s_run("THIS IS GOOD").score == s_run("this is good").score);
}

static void
test_emoji_emoticons_phrases(void **state)
{
    (void) state;
    assert_int_equal(s_run("\xf0\x9f\x9a\x80\xf0\x9f\x9a\x80").label, SENT_BULLISH);
    assert_int_equal(s_run("prices \xf0\x9f\x93\x89").label, SENT_BEARISH);
    assert_int_equal(s_run("ok :)").label, SENT_BULLISH);
    assert_int_equal(s_run("ok :(").label, SENT_BEARISH);
    /* Emoticons with capitals match (keys are lower-cased), and the term
     * reported is exactly the emoticon, after a longer word was tokenised. */
    sent_result_t e = s_run("everything :D");
    assert_int_equal(e.label, SENT_BULLISH);
    assert_string_equal(e.terms[0].term, ":d");
    e = s_run("wonderfully, thoroughly :)");
    assert_int_equal(e.term_count, 1);
    assert_string_equal(e.terms[0].term, ":)");
    sent_result_t r = s_run("classic rug pull");
    assert_int_equal(r.label, SENT_BEARISH);
    assert_string_equal(r.terms[0].term, "rug pull");
    r = s_run("going to the moon");
    assert_string_equal(r.terms[0].term, "to the moon");
}

static void
test_symbols(void **state)
{
    (void) state;
    sent_result_t r = s_run("$btc and ether, shiba inu and $ETH again");
    assert_int_equal(r.symbol_count, 3);
    assert_string_equal(r.symbols[0], "BTC");
    assert_string_equal(r.symbols[1], "ETH");
    assert_string_equal(r.symbols[2], "SHIB");
    r = s_run("bitcoin to the moon \xf0\x9f\x9a\x80");
    assert_int_equal(r.symbol_count, 1);
    assert_int_equal(r.label, SENT_BULLISH);
}

static void
test_questions_numbers_apostrophes(void **state)
{
    (void) state;
    /* A question asks: its terms count a quarter. */
    assert_int_equal(s_run("is this good?").label, SENT_NEUTRAL);
    assert_true(s_run("is this good?").score < s_run("this is good").score);
    /* Only the clause that ends in '?' is a question. */
    assert_int_equal(s_run("this is great. is it?").label, SENT_BULLISH);
    /* Numbers read as "#". */
    assert_int_equal(s_run("BTC up 40% this month").label, SENT_BULLISH);
    assert_int_equal(s_run("BTC up today").label, SENT_NEUTRAL);
    /* A typographic apostrophe negates like a plain one. */
    assert_int_equal(s_run("it isn\xe2\x80\x99t good").label, SENT_BEARISH);
    /* Modifiers modify; alone they are not evidence. */
    assert_int_equal(s_run("very").label, SENT_NEUTRAL);
}

static void
test_input_limits(void **state)
{
    (void) state;
    sent_result_t r;
    char err[256];
    assert_int_equal(sent_analyze(s_lex, "", 0, &r, err, sizeof err), CB_E_BAD_REQUEST);
    assert_int_equal(sent_analyze(s_lex, "   \n\t ", 6, &r, err, sizeof err), CB_E_BAD_REQUEST);
    assert_non_null(strstr(err, "1 to 5000"));
    assert_int_equal(sent_analyze(s_lex, "bad \xc3\x28", 6, &r, err, sizeof err), CB_E_BAD_REQUEST);
    assert_non_null(strstr(err, "UTF-8"));
    char *big = malloc(5002);
    memset(big, 'a', 5001);
    big[5001] = '\0';
    assert_int_equal(sent_analyze(s_lex, big, 5001, &r, err, sizeof err), CB_E_BAD_REQUEST);
    assert_int_equal(sent_analyze(s_lex, big, 5000, &r, err, sizeof err), 0);
    /* 5000 characters of 2 bytes each are still 5000 characters. */
    char *wide = malloc(10001);
    for (int i = 0; i < 5000; i++) {
        wide[2 * i] = (char) 0xc3;
        wide[2 * i + 1] = (char) 0xa9;
    }
    assert_int_equal(sent_analyze(s_lex, wide, 10000, &r, err, sizeof err), 0);
    free(wide);
    free(big);
}

static void
test_rolling_decay(void **state)
{
    (void) state;
    sent_rolling_t *roll = sent_rolling_new(10);
    sent_rolling_view_t v;
    sent_rolling_add(roll, "BTC", 1.0, 0, &v);
    sent_rolling_add(roll, "BTC", -1.0, 0, &v);
    assert_true(v.score > -1e-9 && v.score < 1e-9);
    /* Ten seconds later a new text weighs twice the old ones' decayed sum. */
    sent_rolling_add(roll, "BTC", -1.0, 10LL * 1000000000, &v);
    assert_true(v.score < -0.49 && v.score > -0.51);
    assert_int_equal(v.texts, 3);
    assert_false(sent_rolling_get(roll, "ETH", &v));
    sent_rolling_destroy(&roll);
}

static void
test_bad_lexicon_files(void **state)
{
    (void) state;
    s_write("lexicon_crypto.tsv", "moon\tlots\n");
    char err[256];
    sent_lexicon_t *lex = sent_lexicon_load(s_dir, err, sizeof err);
    assert_null(lex);
    assert_non_null(strstr(err, "lexicon_crypto.tsv line 1"));
    assert_null(sent_lexicon_load("/nonexistent", err, sizeof err));
    const char *bad[] = {"one two three four\t1\n", "moon\t0\n", "moon\t5\n", "moon\t1\textra\n",
                         "double  space\t1\n", "\t1\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_write("lexicon_crypto.tsv", bad[i]);
        assert_null(sent_lexicon_load(s_dir, err, sizeof err));
        assert_non_null(strstr(err, "line 1"));
    }
    s_write("lexicon_crypto.tsv", "moon\t3\n");
    s_write("modifiers.tsv", "very much\tintensifier\t1.3\n");
    assert_null(sent_lexicon_load(s_dir, err, sizeof err));
    assert_non_null(strstr(err, "modifiers.tsv line 1"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_labels),
        cmocka_unit_test(test_negation_scope),
        cmocka_unit_test(test_intensifiers_and_dampeners),
        cmocka_unit_test(test_contrast),
        cmocka_unit_test(test_emphasis_caps_elongation),
        cmocka_unit_test(test_emoji_emoticons_phrases),
        cmocka_unit_test(test_symbols),
        cmocka_unit_test(test_questions_numbers_apostrophes),
        cmocka_unit_test(test_input_limits),
        cmocka_unit_test(test_rolling_decay),
        cmocka_unit_test(test_bad_lexicon_files),
    };
    return cmocka_run_group_tests_name("sentiment", tests, s_setup, s_teardown);
}
