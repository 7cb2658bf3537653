/*
** xapian_bench.cc — the Xapian peer of bench/peers (see README.md).
**
**   xapian_bench build TSV INDEXDIR
**   xapian_bench query INDEXDIR QUERIES PASSES
**   xapian_bench cold  INDEXDIR QUERY
**
** build: reads the TSV of swsearch-export (id<TAB>title<TAB>text a line) into
**   a new Xapian database (glass backend) in INDEXDIR, replacing any there.
**   Each document: TermGenerator with Stem("swedish") and the default
**   strategy STEM_SOME (unstemmed terms with positions, plus Z-prefixed
**   stems), the title indexed, the term position moved on, then the text;
**   document data "id<TAB>title". The database is written in INDEXDIR.tmp
**   (Xapian flushes by itself every XAPIAN_FLUSH_THRESHOLD documents,
**   default 10000; one commit at the end), then compacted into INDEXDIR
**   (Database::compact: one merged, full-block copy, as Lucene ends with
**   forceMerge(1) and FTS5 with 'optimize') and INDEXDIR.tmp removed. Old
**   databases at either path are replaced; a directory there that is not
**   empty and holds no Xapian database is refused. Prints one JSON object:
**   docs, text_bytes (title + text), seconds (wall time of the whole build,
**   reading the TSV and compaction included), compact_seconds, mb_per_s,
**   index_bytes (every file under INDEXDIR), uncompacted_bytes, peak_rss_mb
**   (getrusage ru_maxrss, MB = 10^6 bytes).
** query: one untimed warm-up pass over QUERIES (class<TAB>query lines, as
**   swsearch-bench reads them), then PASSES timed passes. A sample is the
**   wall time of parsing the query with Xapian's QueryParser, get_mset(0, 10)
**   with BM25Weight, and reading every hit's document data (id and title).
**   Prints JSON shaped like swsearch-bench --json: {"engine", "passes",
**   "warmup_passes", "classes": {class: {n, queries, zero_hit_queries,
**   p50_ms, p95_ms, p99_ms, mean_ms}}, "sink"}; percentiles are
**   nearest-rank; sink is the bytes of ids and titles read (it keeps the
**   reads from being optimised away).
** cold: open the database, run one query, print the top 10 as
**   "rank<TAB>id<TAB>title" lines, exit.
**
** Query language (swsearch's, bench/README.md): bare words all required,
** "a phrase", a OR b (binds tighter than the implicit AND), -word or
** -"phrase" excludes. The structure is lexed here (outside the timed part);
** every word and phrase is then parsed by one Xapian::QueryParser (stemmer
** swedish, STEM_SOME, default operator AND, FLAG_PHRASE) inside the timed
** part, and the parts are joined with OP_OR (alternatives), OP_AND (clauses)
** and OP_AND_NOT (exclusions). Passing Xapian the whole string instead would
** change the meaning: its OR binds looser than the implicit AND.
**
** BM25 parameters k1 = 1.2, b = 0.75 (swsearch's, Lucene's and FTS5's),
** k2 = 0, k3 = 1, min_normlen = 0.5 (Xapian's defaults).
**
** Exit 0; 2 with "xapian_bench: <file or query>: <problem>" on any error.
*/
#include <xapian.h>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr int kTopK = 10;
constexpr long kMaxPasses = 100000;

[[noreturn]] static void die(const std::string &msg) {
  std::fprintf(stderr, "xapian_bench: %s\n", msg.c_str());
  std::exit(2);
}

double now_s() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

double peak_rss_mb() {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
  return static_cast<double>(ru.ru_maxrss) * 1024.0 / 1e6; // KiB on Linux
}

// ------------------------------------------------------------ query language

struct Atom {
  std::string text;   // word, or phrase text without its quotes
  bool phrase;        // typed in quotes
};

struct Parsed {
  std::vector<std::vector<Atom>> clauses;  // positive: alternatives of each
  std::vector<Atom> excluded;              // -word, -"phrase"
};

// Length of the quote mark at s[i] (ASCII " or typographic “ ” „ « »), 0 if
// none; the engine accepts any of them to open and to close.
static size_t quote_len(const std::string &s, size_t i) {
  auto u = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  if (i >= s.size()) return 0;
  if (u(i) == '"') return 1;
  if (i + 2 < s.size() && u(i) == 0xE2 && u(i + 1) == 0x80 &&
      (u(i + 2) == 0x9C || u(i + 2) == 0x9D || u(i + 2) == 0x9E))
    return 3;
  if (i + 1 < s.size() && u(i) == 0xC2 && (u(i + 1) == 0xAB || u(i + 1) == 0xBB))
    return 2;
  return 0;
}

static bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Lex text into clauses and exclusions; throws std::runtime_error with the
// problem.
static Parsed lex(const std::string &text) {
  struct Item {
    Atom atom;
    bool neg = false, is_or = false;
  };
  std::vector<Item> items;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) i++;
    if (i >= text.size()) break;
    Item it;
    if (text[i] == '-') {
      it.neg = true;
      i++;
    }
    if (size_t ql = quote_len(text, i)) {
      size_t s = i + ql, e = s;
      while (e < text.size() && !quote_len(text, e)) e++;
      if (e >= text.size()) throw std::runtime_error("unbalanced quote");
      it.atom = {text.substr(s, e - s), true};
      i = e + quote_len(text, e);
    } else {
      size_t s = i;
      while (i < text.size() && !is_space(text[i]) && !quote_len(text, i)) i++;
      if (i == s) continue;  // a lone '-' is ignored
      it.atom = {text.substr(s, i - s), false};
      it.is_or = !it.neg && it.atom.text == "OR";
    }
    items.push_back(it);
  }
  Parsed p;
  for (size_t k = 0; k < items.size(); k++) {
    if (items[k].is_or) throw std::runtime_error("dangling OR");
    if (items[k].neg) {
      p.excluded.push_back(items[k].atom);
      continue;
    }
    std::vector<Atom> alts{items[k].atom};
    while (k + 2 < items.size() && items[k + 1].is_or && !items[k + 2].is_or &&
           !items[k + 2].neg) {
      alts.push_back(items[k + 2].atom);
      k += 2;
    }
    if (k + 1 < items.size() && items[k + 1].is_or)
      throw std::runtime_error("dangling OR");
    p.clauses.push_back(alts);
  }
  if (p.clauses.empty()) throw std::runtime_error("nothing to search for");
  return p;
}

// The Xapian query for p: each atom through qp, joined as described above.
// An atom with no terms (punctuation only) is dropped; a clause left empty
// makes the query match nothing.
Xapian::Query to_xapian(Xapian::QueryParser &qp, const Parsed &p) {
  auto atom_query = [&](const Atom &a) {
    std::string s = a.phrase ? "\"" + a.text + "\"" : a.text;
    return qp.parse_query(s, Xapian::QueryParser::FLAG_PHRASE);
  };
  std::vector<Xapian::Query> clauses;
  for (const auto &alts : p.clauses) {
    std::vector<Xapian::Query> qs;
    for (const auto &a : alts) {
      Xapian::Query q = atom_query(a);
      if (!q.empty()) qs.push_back(q);
    }
    if (qs.empty()) return Xapian::Query();
    clauses.emplace_back(Xapian::Query::OP_OR, qs.begin(), qs.end());
  }
  Xapian::Query pos(Xapian::Query::OP_AND, clauses.begin(), clauses.end());
  std::vector<Xapian::Query> neg;
  for (const auto &a : p.excluded) {
    Xapian::Query q = atom_query(a);
    if (!q.empty()) neg.push_back(q);
  }
  if (neg.empty()) return pos;
  return Xapian::Query(Xapian::Query::OP_AND_NOT, pos,
                       Xapian::Query(Xapian::Query::OP_OR, neg.begin(), neg.end()));
}

// ----------------------------------------------------------------- queries

struct Query {
  std::string cls, text;
  Parsed parsed;
  size_t ci;
};

struct Queries {
  std::vector<Query> q;
  std::vector<std::string> classes;  // in order of first use
};

Queries read_queries(const std::string &path) {
  std::ifstream f(path);
  if (!f) die(path + ": " + std::strerror(errno));
  Queries qs;
  std::string line;
  unsigned long lineno = 0;
  while (std::getline(f, line)) {
    lineno++;
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n'))
      line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    size_t tab = line.find('\t');
    std::string where = path + ":" + std::to_string(lineno);
    if (tab == std::string::npos) die(where + ": no TAB between class and query");
    Query q;
    q.cls = line.substr(0, tab);
    q.text = line.substr(tab + 1);
    try {
      q.parsed = lex(q.text);
    } catch (const std::runtime_error &e) {
      die(where + ": " + q.text + ": " + e.what());
    }
    auto it = std::find(qs.classes.begin(), qs.classes.end(), q.cls);
    q.ci = static_cast<size_t>(it - qs.classes.begin());
    if (it == qs.classes.end()) qs.classes.push_back(q.cls);
    qs.q.push_back(std::move(q));
  }
  if (f.bad()) die(path + ": read error");
  if (qs.q.empty()) die(path + ": no queries");
  return qs;
}

// ------------------------------------------------------------------ engine

struct Searcher {
  Xapian::Database db;
  Xapian::Enquire enq;
  Xapian::QueryParser qp;

  explicit Searcher(const std::string &dir) : db(dir), enq(db) {
    enq.set_weighting_scheme(Xapian::BM25Weight(1.2, 0, 1, 0.75, 0.5));
    qp.set_stemmer(Xapian::Stem("swedish"));
    qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
    qp.set_default_op(Xapian::Query::OP_AND);
    qp.set_database(db);
  }

  // Run p for the top 10; on_hit(rank, id, title) for each. Returns the
  // number of hits.
  template <typename F>
  int run(const Parsed &p, F on_hit) {
    enq.set_query(to_xapian(qp, p));
    Xapian::MSet m = enq.get_mset(0, kTopK);
    int rank = 0;
    for (auto it = m.begin(); it != m.end(); ++it) {
      std::string data = it.get_document().get_data();
      size_t tab = data.find('\t');
      if (tab == std::string::npos) tab = data.size();
      on_hit(++rank, data.substr(0, tab),
             tab < data.size() ? data.substr(tab + 1) : std::string());
    }
    return rank;
  }
};

uint64_t dir_bytes(const std::string &dir) {
  uint64_t total = 0;
  for (const auto &e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file()) total += e.file_size();
  return total;
}

// Remove dir if it is a Xapian database (or empty), so a new one can take
// its place; refuse anything else rather than delete a user's files.
void clear_db_dir(const std::string &dir) {
  namespace fs = std::filesystem;
  if (!fs::exists(dir)) return;
  if (!fs::is_directory(dir) ||
      (!fs::is_empty(dir) && !fs::exists(fs::path(dir) / "iamglass")))
    die(dir + ": exists and is not a Xapian database; not replacing it");
  fs::remove_all(dir);
}

int cmd_build(const std::string &tsv, const std::string &dir) {
  double t0 = now_s();
  std::ifstream in(tsv, std::ios::binary);
  if (!in) die(tsv + ": " + std::strerror(errno));
  std::string tmp = dir + ".tmp";
  clear_db_dir(tmp);
  clear_db_dir(dir);
  Xapian::WritableDatabase db(tmp, Xapian::DB_CREATE_OR_OVERWRITE);
  Xapian::TermGenerator tg;
  tg.set_stemmer(Xapian::Stem("swedish"));
  tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
  std::string line;
  unsigned long lineno = 0;
  uint64_t docs = 0, text_bytes = 0;
  while (std::getline(in, line)) {
    lineno++;
    size_t t1 = line.find('\t');
    size_t t2 = t1 == std::string::npos ? t1 : line.find('\t', t1 + 1);
    if (t2 == std::string::npos)
      die(tsv + ":" + std::to_string(lineno) + ": expected id<TAB>title<TAB>text");
    Xapian::Document doc;
    tg.set_document(doc);
    std::string title = line.substr(t1 + 1, t2 - t1 - 1);
    tg.index_text(title);
    tg.increase_termpos();
    tg.index_text(Xapian::Utf8Iterator(line.data() + t2 + 1, line.size() - t2 - 1));
    doc.set_data(line.substr(0, t1) + "\t" + title);
    db.add_document(doc);
    docs++;
    text_bytes += title.size() + (line.size() - t2 - 1);
  }
  if (in.bad()) die(tsv + ": read error");
  db.commit();
  db.close();
  uint64_t uncompacted = dir_bytes(tmp);
  double tc = now_s();
  Xapian::Database(tmp).compact(dir);
  std::filesystem::remove_all(tmp);
  double secs = now_s() - t0;
  std::printf("{\"engine\": \"xapian\", \"docs\": %llu, \"text_bytes\": %llu, "
              "\"seconds\": %.3f, \"compact_seconds\": %.3f, \"mb_per_s\": %.2f, "
              "\"index_bytes\": %llu, \"uncompacted_bytes\": %llu, "
              "\"peak_rss_mb\": %.1f}\n",
              static_cast<unsigned long long>(docs),
              static_cast<unsigned long long>(text_bytes), secs, now_s() - tc,
              secs > 0 ? static_cast<double>(text_bytes) / 1e6 / secs : 0,
              static_cast<unsigned long long>(dir_bytes(dir)),
              static_cast<unsigned long long>(uncompacted), peak_rss_mb());
  return 0;
}

// Nearest-rank percentile p (integer percent) of sorted s, non-empty.
double percentile(const std::vector<double> &s, size_t p) {
  size_t rank = (p * s.size() + 99) / 100;
  rank = std::clamp<size_t>(rank, 1, s.size());
  return s[rank - 1];
}

std::string json_string(const std::string &s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

int cmd_query(const std::string &dir, const std::string &qfile,
              const std::string &passes_s) {
  char *end = nullptr;
  long passes = std::strtol(passes_s.c_str(), &end, 10);
  if (*end || passes < 1 || passes > kMaxPasses)
    die("PASSES: expected 1.." + std::to_string(kMaxPasses) + ", got '" +
        passes_s + "'");
  Queries qs = read_queries(qfile);
  Searcher s(dir);
  size_t sink = 0;
  auto read_hit = [&](int, const std::string &id, const std::string &title) {
    sink += id.size() + title.size();
  };
  std::vector<size_t> zero(qs.classes.size()), nq(qs.classes.size());
  for (const auto &q : qs.q) {  // the warm-up pass
    nq[q.ci]++;
    if (s.run(q.parsed, read_hit) == 0) zero[q.ci]++;
  }
  std::vector<std::vector<double>> ms(qs.classes.size());
  for (long p = 0; p < passes; p++) {
    for (const auto &q : qs.q) {
      double t0 = now_s();
      s.run(q.parsed, read_hit);
      ms[q.ci].push_back((now_s() - t0) * 1e3);
    }
  }
  std::printf("{\"engine\": \"xapian\", \"passes\": %ld, \"warmup_passes\": 1, "
              "\"classes\": {", passes);
  for (size_t c = 0; c < qs.classes.size(); c++) {
    auto &v = ms[c];
    std::sort(v.begin(), v.end());
    double sum = 0;
    for (double x : v) sum += x;
    std::printf("%s\n  %s: {\"n\": %zu, \"queries\": %zu, \"zero_hit_queries\": "
                "%zu, \"p50_ms\": %.4f, \"p95_ms\": %.4f, \"p99_ms\": %.4f, "
                "\"mean_ms\": %.4f}",
                c ? "," : "", json_string(qs.classes[c]).c_str(), v.size(),
                nq[c], zero[c], percentile(v, 50), percentile(v, 95),
                percentile(v, 99), sum / static_cast<double>(v.size()));
  }
  std::printf("},\n \"sink\": %zu}\n", sink);
  return 0;
}

int cmd_cold(const std::string &dir, const std::string &text) {
  Parsed p;
  try {
    p = lex(text);
  } catch (const std::runtime_error &e) {
    die(text + ": " + e.what());
  }
  Searcher s(dir);
  s.run(p, [](int rank, const std::string &id, const std::string &title) {
    std::printf("%d\t%s\t%s\n", rank, id.c_str(), title.c_str());
  });
  if (std::fflush(stdout) != 0) die(std::string("stdout: ") + std::strerror(errno));
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  try {
    if (argc == 4 && std::strcmp(argv[1], "build") == 0)
      return cmd_build(argv[2], argv[3]);
    if (argc == 5 && std::strcmp(argv[1], "query") == 0)
      return cmd_query(argv[2], argv[3], argv[4]);
    if (argc == 4 && std::strcmp(argv[1], "cold") == 0)
      return cmd_cold(argv[2], argv[3]);
  } catch (const Xapian::Error &e) {
    // Xapian's messages name the database path where it matters.
    die(std::string(argc > 2 ? argv[2] : "") + ": " + e.get_description());
  } catch (const std::exception &e) {
    die(std::string(argc > 2 ? argv[2] : "") + ": " + e.what());
  }
  std::fputs("usage: xapian_bench build TSV INDEXDIR\n"
             "       xapian_bench query INDEXDIR QUERIES PASSES\n"
             "       xapian_bench cold INDEXDIR QUERY\n",
             stderr);
  return 2;
}
