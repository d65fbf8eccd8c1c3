/* test_pages.c - page inputs (page images and PDF pages) against the fake server: every Page
 * field as the server decodes it, in Embed, Upsert and Search; page text layers read from Embed
 * and Get replies; matched words read from Search replies; bad page arguments refused before
 * anything is sent. */
#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fake_server.h"
#include "multiembed.h"

static const uint8_t png[4] = {0x89, 'P', 'N', 'G'};
static const uint8_t pdf[5] = {'%', 'P', 'D', 'F', '-'};

static me_client *start(fake_server *fs, fs_handler handler)
{
    CHECK(fs_start(fs, handler, NULL));
    me_error err;
    me_client *c = me_connect("127.0.0.1", fs->port, NULL, &err);
    CHECK_CODE(err, ME_OK);
    CHECK(c != NULL);
    return c;
}

/* Two words on one line of a PDF page (confidence -1), as the server would read them. */
static void fill_page_text(Multiembed__V1__PageText *t, Multiembed__V1__PageWord *w,
                           Multiembed__V1__PageWord **ptrs)
{
    multiembed__v1__page_text__init(t);
    const char *texts[2] = {"Quarterly", "revenue"};
    for (uint32_t k = 0; k < 2; k++) {
        multiembed__v1__page_word__init(&w[k]);
        w[k].text = (char *)texts[k];
        w[k].x = 10 + 100 * k;
        w[k].y = 20;
        w[k].width = 90;
        w[k].height = 12;
        w[k].confidence = -1.0f;
        w[k].block = 1;
        w[k].line = 2;
        ptrs[k] = &w[k];
    }
    t->width = 1275;
    t->height = 1650;
    t->n_words = 2;
    t->words = ptrs;
    t->text = "Quarterly revenue";
    t->source = "pdf";
    t->note = "";
    t->dpi = 150;
}

static void check_page_text(const me_page_text *t)
{
    CHECK(t != NULL);
    if (t == NULL)
        return;
    CHECK(t->width == 1275 && t->height == 1650 && t->dpi == 150);
    CHECK(strcmp(t->text, "Quarterly revenue") == 0 && strcmp(t->source, "pdf") == 0);
    CHECK(strcmp(t->note, "") == 0);
    CHECK(t->n_words == 2 && t->words != NULL);
    if (t->n_words == 2 && t->words != NULL) {
        CHECK(strcmp(t->words[0].text, "Quarterly") == 0);
        CHECK(strcmp(t->words[1].text, "revenue") == 0);
        CHECK(t->words[1].x == 110 && t->words[1].y == 20);
        CHECK(t->words[1].width == 90 && t->words[1].height == 12);
        CHECK_FLOAT(t->words[1].confidence, -1.0f, 0);
        CHECK(t->words[1].block == 1 && t->words[1].line == 2);
    }
}

/* ---- embed: the Page fields sent, the text layer read, a failed page without one ---- */

static void h_embed(int lfd, void *ctx)
{
    (void)ctx;
    int fd = fs_accept(lfd);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    Multiembed__V1__Request *r = fs_read_request(fd);
    CHECK(r != NULL && r->body_case == MULTIEMBED__V1__REQUEST__BODY_EMBED);
    if (r != NULL && r->body_case == MULTIEMBED__V1__REQUEST__BODY_EMBED) {
        const Multiembed__V1__EmbedRequest *e = r->embed;
        CHECK(e->n_inputs == 3);
        if (e->n_inputs == 3) {
            for (size_t i = 0; i < 3; i++)
                CHECK(e->inputs[i]->kind_case == MULTIEMBED__V1__INPUT__KIND_PAGE);
            const Multiembed__V1__Page *a = e->inputs[0]->page, *b = e->inputs[1]->page;
            CHECK(a->source_case == MULTIEMBED__V1__PAGE__SOURCE_PDF);
            CHECK(a->pdf.len == 5 && memcmp(a->pdf.data, pdf, 5) == 0);
            CHECK(a->page_number == 2 && strcmp(a->name, "report.pdf") == 0);
            CHECK(a->n_languages == 0);
            CHECK(b->source_case == MULTIEMBED__V1__PAGE__SOURCE_IMAGE);
            CHECK(b->image.len == 4 && memcmp(b->image.data, png, 4) == 0);
            CHECK(b->page_number == 0 && strcmp(b->name, "") == 0);
            CHECK(b->n_languages == 2 && strcmp(b->languages[0], "eng") == 0 &&
                  strcmp(b->languages[1], "deu") == 0);
        }
        /* Every input gets a text layer; input 2 then fails, so its copy must be dropped. */
        Multiembed__V1__PageText text;
        Multiembed__V1__PageWord words[2], *ptrs[2];
        fill_page_text(&text, words, ptrs);
        Multiembed__V1__Embedding embs[3], *eptrs[3];
        for (uint32_t i = 0; i < 3; i++) {
            multiembed__v1__embedding__init(&embs[i]);
            embs[i].index = i;
            embs[i].page_text = i == 1 ? NULL : &text;
            eptrs[i] = &embs[i];
        }
        Multiembed__V1__InputError ie = MULTIEMBED__V1__INPUT_ERROR__INIT, *ies[1] = {&ie};
        ie.index = 2;
        ie.code = MULTIEMBED__V1__CODE__INVALID_ARGUMENT;
        ie.message = "page 9 of 2";
        Multiembed__V1__Status status = MULTIEMBED__V1__STATUS__INIT;
        status.n_input_errors = 1;
        status.input_errors = ies;
        Multiembed__V1__EmbedResponse body = MULTIEMBED__V1__EMBED_RESPONSE__INIT;
        body.n_embeddings = 3;
        body.embeddings = eptrs;
        body.model = "m";
        Multiembed__V1__Response resp = MULTIEMBED__V1__RESPONSE__INIT;
        resp.id = r->id;
        resp.status = &status;
        resp.body_case = MULTIEMBED__V1__RESPONSE__BODY_EMBED;
        resp.embed = &body;
        CHECK(fs_send_response(fd, &resp));
    }
    if (r != NULL)
        multiembed__v1__request__free_unpacked(r, NULL);
    CHECK(fs_wait_closed(fd));
    close(fd);
}

static void embed_pages(void)
{
    fake_server fs;
    me_client *c = start(&fs, h_embed);
    const char *langs[2] = {"eng", "deu"};
    me_input in[3] = {me_page_pdf(pdf, 5, 2, "report.pdf"), me_page_image(png, 4, NULL),
                      me_page_pdf(pdf, 5, 9, NULL)};
    in[1].languages = langs;
    in[1].n_languages = 2;
    me_error err;
    me_result *res = c ? me_embed(c, in, 3, NULL, &err) : NULL;
    CHECK(res != NULL);
    if (res != NULL) {
        CHECK_CODE(err, ME_OK);
        CHECK(res->count == 3 && res->failed == 1);
        check_page_text(res->embeddings[0].page_text);
        CHECK(res->embeddings[1].page_text == NULL);
        CHECK(res->embeddings[2].error_code == ME_INVALID_ARGUMENT);
        CHECK(res->embeddings[2].page_text == NULL);
    }
    me_result_free(res);
    me_close(c);
    fs_stop(&fs);
}

/* ---- upsert, get and search: pages as documents and queries, text layers and matches ---- */

static void answer_upsert(int fd, Multiembed__V1__Request *r)
{
    const Multiembed__V1__UpsertRequest *b = r->upsert;
    CHECK(b->n_documents == 1);
    if (b->n_documents == 1) {
        const Multiembed__V1__MultiVectorSource *s = b->documents[0]->content;
        CHECK(s != NULL && s->kind_case == MULTIEMBED__V1__MULTI_VECTOR_SOURCE__KIND_INPUT);
        if (s != NULL && s->kind_case == MULTIEMBED__V1__MULTI_VECTOR_SOURCE__KIND_INPUT) {
            CHECK(s->input->kind_case == MULTIEMBED__V1__INPUT__KIND_PAGE);
            const Multiembed__V1__Page *p = s->input->page;
            CHECK(p->source_case == MULTIEMBED__V1__PAGE__SOURCE_PDF && p->page_number == 0);
        }
    }
    Multiembed__V1__UpsertResponse body = MULTIEMBED__V1__UPSERT_RESPONSE__INIT;
    body.upserted = 2;
    Multiembed__V1__Response resp = MULTIEMBED__V1__RESPONSE__INIT;
    resp.id = r->id;
    resp.body_case = MULTIEMBED__V1__RESPONSE__BODY_UPSERT;
    resp.upsert = &body;
    CHECK(fs_send_response(fd, &resp));
}

static void answer_get(int fd, Multiembed__V1__Request *r)
{
    Multiembed__V1__PageText text;
    Multiembed__V1__PageWord words[2], *ptrs[2];
    fill_page_text(&text, words, ptrs);
    Multiembed__V1__Document docs[2], *dptrs[2] = {&docs[0], &docs[1]};
    multiembed__v1__document__init(&docs[0]);
    multiembed__v1__document__init(&docs[1]);
    docs[0].id = "report#1";
    docs[0].page_text = &text;
    docs[1].id = "plain";
    Multiembed__V1__GetResponse body = MULTIEMBED__V1__GET_RESPONSE__INIT;
    body.n_documents = 2;
    body.documents = dptrs;
    Multiembed__V1__Response resp = MULTIEMBED__V1__RESPONSE__INIT;
    resp.id = r->id;
    resp.body_case = MULTIEMBED__V1__RESPONSE__BODY_GET;
    resp.get = &body;
    CHECK(fs_send_response(fd, &resp));
}

static void answer_search(int fd, Multiembed__V1__Request *r, bool want_matches)
{
    const Multiembed__V1__SearchRequest *b = r->search;
    CHECK(b->include_matches == want_matches);
    CHECK(b->query != NULL &&
          b->query->kind_case == MULTIEMBED__V1__MULTI_VECTOR_SOURCE__KIND_INPUT &&
          b->query->input->kind_case == MULTIEMBED__V1__INPUT__KIND_PAGE &&
          b->query->input->page->source_case == MULTIEMBED__V1__PAGE__SOURCE_IMAGE);
    Multiembed__V1__PageWord words[2];
    Multiembed__V1__MatchedWord m[2], *mptrs[2] = {&m[0], &m[1]};
    uint32_t qv0[2] = {1, 3}, qv1[1] = {2};
    const char *texts[2] = {"revenue", "region"};
    for (uint32_t k = 0; k < 2; k++) {
        multiembed__v1__page_word__init(&words[k]);
        words[k].text = (char *)texts[k];
        words[k].x = 5 * k;
        words[k].y = 7;
        words[k].width = 30;
        words[k].height = 9;
        words[k].confidence = 91.5f;
        words[k].block = 3;
        words[k].line = 4 + k;
        multiembed__v1__matched_word__init(&m[k]);
        m[k].word_index = 6 - k;
        m[k].word = &words[k];
        m[k].score = 0.75f - 0.25f * (float)k;
    }
    m[0].n_query_vectors = 2;
    m[0].query_vectors = qv0;
    m[1].n_query_vectors = 1;
    m[1].query_vectors = qv1;
    Multiembed__V1__SearchHit hits[2], *hptrs[2] = {&hits[0], &hits[1]};
    multiembed__v1__search_hit__init(&hits[0]);
    multiembed__v1__search_hit__init(&hits[1]);
    hits[0].id = "report#1";
    hits[0].score = 1.5f;
    if (want_matches) {
        hits[0].n_matches = 2;
        hits[0].matches = mptrs;
    }
    hits[1].id = "report#2";
    hits[1].score = 0.5f;
    Multiembed__V1__SearchResponse body = MULTIEMBED__V1__SEARCH_RESPONSE__INIT;
    body.n_hits = 2;
    body.hits = hptrs;
    Multiembed__V1__Response resp = MULTIEMBED__V1__RESPONSE__INIT;
    resp.id = r->id;
    resp.body_case = MULTIEMBED__V1__RESPONSE__BODY_SEARCH;
    resp.search = &body;
    CHECK(fs_send_response(fd, &resp));
}

static void h_documents(int lfd, void *ctx)
{
    (void)ctx;
    int fd = fs_accept(lfd);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    for (int step = 0; step < 4; step++) {
        Multiembed__V1__Request *r = fs_read_request(fd);
        CHECK(r != NULL);
        if (r == NULL)
            break;
        if (step == 0 && r->body_case == MULTIEMBED__V1__REQUEST__BODY_UPSERT)
            answer_upsert(fd, r);
        else if (step == 1 && r->body_case == MULTIEMBED__V1__REQUEST__BODY_GET)
            answer_get(fd, r);
        else if (step >= 2 && r->body_case == MULTIEMBED__V1__REQUEST__BODY_SEARCH)
            answer_search(fd, r, step == 2);
        else
            CHECK(!"unexpected request");
        multiembed__v1__request__free_unpacked(r, NULL);
    }
    CHECK(fs_wait_closed(fd));
    close(fd);
}

static void documents_and_matches(void)
{
    fake_server fs;
    me_client *c = start(&fs, h_documents);
    me_error err;
    if (c == NULL) {
        fs_stop(&fs);
        return;
    }
    me_document doc;
    memset(&doc, 0, sizeof doc);
    doc.id = "report";
    doc.content = me_source_input(me_page_pdf(pdf, 5, 0, "report.pdf"));
    me_upsert_result up;
    CHECK(me_upsert(c, "docs", &doc, 1, NULL, &up, &err) == ME_OK);
    CHECK(up.upserted == 2);

    const char *ids[2] = {"report#1", "plain"};
    me_documents *docs = me_get(c, "docs", ids, 2, false, NULL, &err);
    CHECK(docs != NULL && docs->count == 2);
    if (docs != NULL && docs->count == 2) {
        check_page_text(docs->documents[0].page_text);
        CHECK(docs->documents[1].page_text == NULL);
    }
    me_documents_free(docs);

    me_source query = me_source_input(me_page_image(png, 4, NULL));
    me_search_options so;
    memset(&so, 0, sizeof so);
    so.include_matches = true;
    me_search_result *hits = me_search(c, "docs", &query, &so, &err);
    CHECK(hits != NULL && hits->count == 2);
    if (hits != NULL && hits->count == 2) {
        const me_hit *h = &hits->hits[0];
        CHECK(h->n_matches == 2 && h->matches != NULL);
        if (h->n_matches == 2 && h->matches != NULL) {
            const me_matched_word *m = h->matches;
            CHECK(strcmp(m[0].word.text, "revenue") == 0 && strcmp(m[1].word.text, "region") == 0);
            CHECK(m[0].word_index == 6 && m[1].word_index == 5);
            CHECK(m[1].word.x == 5 && m[1].word.y == 7 && m[1].word.width == 30 &&
                  m[1].word.height == 9 && m[1].word.block == 3 && m[1].word.line == 5);
            CHECK_FLOAT(m[1].word.confidence, 91.5f, 0);
            CHECK_FLOAT(m[0].score, 0.75f, 0);
            CHECK_FLOAT(m[1].score, 0.5f, 0);
            CHECK(m[0].n_query_vectors == 2 && m[0].query_vectors[0] == 1 &&
                  m[0].query_vectors[1] == 3);
            CHECK(m[1].n_query_vectors == 1 && m[1].query_vectors[0] == 2);
        }
        CHECK(hits->hits[1].n_matches == 0 && hits->hits[1].matches == NULL);
    }
    me_search_result_free(hits);

    so.include_matches = false;
    hits = me_search(c, "docs", &query, &so, &err);
    CHECK(hits != NULL && hits->count == 2);
    if (hits != NULL && hits->count == 2)
        CHECK(hits->hits[0].n_matches == 0 && hits->hits[0].matches == NULL);
    me_search_result_free(hits);
    me_close(c);
    fs_stop(&fs);
}

/* ---- bad page arguments: refused with ME_INVALID_ARGUMENT, nothing sent ---- */

static void h_nothing(int lfd, void *ctx)
{
    (void)ctx;
    int fd = fs_accept(lfd);
    if (fd < 0)
        return;
    CHECK(fs_read_request(fd) == NULL); /* the client closes without sending */
    close(fd);
}

static void bad_page_arguments(void)
{
    fake_server fs;
    me_client *c = start(&fs, h_nothing);
    if (c == NULL) {
        fs_stop(&fs);
        return;
    }
    const char *bad_langs[2] = {"eng", NULL}, *bad_utf8[1] = {"\xc3"};
    me_input cases[5] = {me_page_image(NULL, 3, NULL), me_page_pdf(pdf, 5, 1, "\xff"),
                         me_page_image(png, 4, NULL), me_page_image(png, 4, NULL),
                         me_page_image(png, 4, NULL)};
    cases[2].n_languages = 1; /* languages NULL */
    cases[3].languages = bad_langs;
    cases[3].n_languages = 2;
    cases[4].languages = bad_utf8;
    cases[4].n_languages = 1;
    me_input unknown = me_page_image(png, 4, NULL);
    unknown.page_format = (me_page_format)7;
    for (size_t i = 0; i < 6; i++) {
        me_error err;
        me_result *res = me_embed(c, i < 5 ? &cases[i] : &unknown, 1, NULL, &err);
        CHECK(res == NULL);
        CHECK_CODE(err, ME_INVALID_ARGUMENT);
        me_result_free(res);
    }
    me_source query = me_source_input(cases[2]);
    me_error err;
    CHECK(me_search(c, "docs", &query, NULL, &err) == NULL);
    CHECK_CODE(err, ME_INVALID_ARGUMENT);
    me_close(c);
    fs_stop(&fs);
}

const test_case page_tests[] = {
    {"pages: Page fields sent, text layers read, dropped for a failed input", embed_pages},
    {"pages: upserted, text layers in get, matched words in search", documents_and_matches},
    {"pages: bad page arguments refused before sending", bad_page_arguments},
    {NULL, NULL},
};
