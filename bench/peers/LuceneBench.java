/*
 * LuceneBench.java — the Lucene 4.10 peer of bench/peers (see README.md).
 *
 *   java -cp CLASSES:LUCENE_JARS LuceneBench build TSV INDEXDIR
 *   java -cp ... LuceneBench query INDEXDIR QUERIES PASSES [WARMUP_SECONDS]
 *   java -cp ... LuceneBench cold  INDEXDIR QUERY
 *
 * build: reads the TSV of swsearch-export (id<TAB>title<TAB>text a line) into
 *   a new index in INDEXDIR (OpenMode.CREATE). Each document: "id" and
 *   "title" stored only (StoredField), and one indexed, unstored field
 *   "body" given twice, title then text (SwedishAnalyzer: standard
 *   tokenizer, lower case, Swedish stop words, Snowball Swedish stemmer; a
 *   position gap of 1 between the two values, so a phrase cannot span title
 *   and text). BM25Similarity, a 256 MB RAM buffer (swsearch's default
 *   --mem), forceMerge(1) and commit at the end. Prints one JSON object:
 *   docs, text_bytes (UTF-8 bytes of title + text), seconds (the whole build,
 *   reading the TSV included, JVM start excluded), mb_per_s, index_bytes
 *   (files in INDEXDIR), peak_rss_mb (VmHWM of /proc/self/status, MB =
 *   10^6 bytes).
 * query: JIT warm-up first: untimed passes over QUERIES until at least 10
 *   passes and WARMUP_SECONDS (default 10) have run; the first of them also
 *   counts the queries that find nothing. Then PASSES timed passes. A sample
 *   is the wall time (System.nanoTime) of QueryParser.parse, searcher.search
 *   for the top 10, and reading every hit's stored id and title. Prints JSON
 *   shaped like swsearch-bench --json: {"engine", "passes", "warmup_passes",
 *   "warmup_seconds", "classes": {class: {n, queries, zero_hit_queries,
 *   p50_ms, p95_ms, p99_ms, mean_ms}}, "sink"}; percentiles are
 *   nearest-rank; sink counts hits and characters read.
 * cold: open the index, run one query, print the top 10 as
 *   "rank<TAB>id<TAB>title" lines, exit (run as a fresh JVM by run.sh).
 *
 * Query language (swsearch's, bench/README.md): bare words all required,
 * "a phrase", a OR b (binds tighter than the implicit AND), -word or
 * -"phrase" excludes. It is lexed here (outside the timed part) into
 * Lucene's classic syntax with explicit operators, every word escaped:
 *   x a OR b -c   ->   +x +(a OR b) -c
 * and parsed by QueryParser (field "body", SwedishAnalyzer, default
 * operator AND, auto-generated phrase queries on, so that a word the
 * analyzer splits, like covid-19, is a phrase as in swsearch).
 *
 * Exit 0; 2 with "LuceneBench: <file or query>: <problem>" on any error.
 */
import java.io.BufferedReader;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.AnalyzerWrapper;
import org.apache.lucene.analysis.sv.SwedishAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.queryparser.classic.ParseException;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Version;

public final class LuceneBench {
  private static final Version VERSION = Version.LUCENE_4_10_4;
  private static final int TOP_K = 10;
  private static final int MIN_WARMUP_PASSES = 10;
  private static final long MAX_PASSES = 100000;

  /** An error for the user: printed as "LuceneBench: msg", exit 2. */
  private static final class BenchError extends Exception {
    private static final long serialVersionUID = 1L;

    BenchError(String msg) {
      super(msg);
    }
  }

  /** SwedishAnalyzer with a position gap of 1 between values of a field. */
  private static final class GapAnalyzer extends AnalyzerWrapper {
    private final Analyzer inner;

    GapAnalyzer(Analyzer inner) {
      super(inner.getReuseStrategy());
      this.inner = inner;
    }

    @Override
    protected Analyzer getWrappedAnalyzer(String field) {
      return inner;
    }

    @Override
    public int getPositionIncrementGap(String field) {
      return 1;
    }
  }

  private static Analyzer analyzer() {
    return new GapAnalyzer(new SwedishAnalyzer());
  }

  // ----------------------------------------------------------- query language

  private static int quoteLen(String s, int i) {
    if (i >= s.length()) return 0;
    char c = s.charAt(i);
    /* ASCII " or the typographic quotes the engine accepts: “ ” „ « » */
    return (c == '"' || c == '\u201C' || c == '\u201D' || c == '\u201E'
            || c == '\u00AB' || c == '\u00BB') ? 1 : 0;
  }

  private static final class Item {
    String text;
    boolean phrase, neg, isOr;
  }

  private static String atom(Item it) {
    if (!it.phrase) return QueryParser.escape(it.text);
    StringBuilder b = new StringBuilder("\"");
    for (char c : it.text.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\');
      b.append(c);
    }
    return b.append('"').toString();
  }

  /** The query in Lucene's classic syntax with explicit +/- (see above). */
  static String translate(String text) throws BenchError {
    List<Item> items = new ArrayList<>();
    int i = 0, n = text.length();
    while (i < n) {
      while (i < n && Character.isWhitespace(text.charAt(i))) i++;
      if (i >= n) break;
      Item it = new Item();
      if (text.charAt(i) == '-') {
        it.neg = true;
        i++;
      }
      if (quoteLen(text, i) > 0) {
        int s = i + 1, e = s;
        while (e < n && quoteLen(text, e) == 0) e++;
        if (e >= n) throw new BenchError("unbalanced quote");
        it.text = text.substring(s, e);
        it.phrase = true;
        i = e + 1;
      } else {
        int s = i;
        while (i < n && !Character.isWhitespace(text.charAt(i)) && quoteLen(text, i) == 0) i++;
        if (i == s) continue; /* a lone '-' is ignored */
        it.text = text.substring(s, i);
        it.isOr = !it.neg && it.text.equals("OR");
      }
      items.add(it);
    }
    StringBuilder out = new StringBuilder();
    int clauses = 0;
    for (int k = 0; k < items.size(); k++) {
      Item it = items.get(k);
      if (it.isOr) throw new BenchError("dangling OR");
      if (out.length() > 0) out.append(' ');
      if (it.neg) {
        out.append('-').append(atom(it));
        continue;
      }
      int j = k;
      while (j + 2 < items.size() && items.get(j + 1).isOr && !items.get(j + 2).isOr
             && !items.get(j + 2).neg)
        j += 2;
      if (j + 1 < items.size() && items.get(j + 1).isOr) throw new BenchError("dangling OR");
      clauses++;
      if (j == k) {
        out.append('+').append(atom(it));
      } else {
        out.append("+(");
        for (int a = k; a <= j; a += 2) {
          if (a > k) out.append(" OR ");
          out.append(atom(items.get(a)));
        }
        out.append(')');
      }
      k = j;
    }
    if (clauses == 0) throw new BenchError("nothing to search for");
    return out.toString();
  }

  // ------------------------------------------------------------------ build

  private static long utf8Length(String s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (Character.isHighSurrogate(c)) {
        n += 4;
        i++;
      } else n += 3;
    }
    return n;
  }

  private static long dirBytes(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      long total = 0;
      for (Path p : (Iterable<Path>) s::iterator)
        if (Files.isRegularFile(p)) total += Files.size(p);
      return total;
    }
  }

  /** Peak resident set of this process (VmHWM), MB = 10^6 bytes. */
  private static double peakRssMb() {
    try {
      for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          String kb = line.substring(6).trim().split("\\s+")[0];
          return Long.parseLong(kb) * 1024.0 / 1e6;
        }
      }
    } catch (IOException | NumberFormatException e) {
      /* not Linux, or an odd format: report 0 */
    }
    return 0;
  }

  private static void build(String tsv, String dir) throws Exception {
    long t0 = System.nanoTime();
    IndexWriterConfig cfg = new IndexWriterConfig(VERSION, analyzer());
    cfg.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
    cfg.setSimilarity(new BM25Similarity());
    cfg.setRAMBufferSizeMB(256);
    long docs = 0, textBytes = 0;
    try (FSDirectory d = FSDirectory.open(new File(dir));
         IndexWriter w = new IndexWriter(d, cfg);
         BufferedReader in = new BufferedReader(
             new InputStreamReader(new FileInputStream(tsv), StandardCharsets.UTF_8), 1 << 20)) {
      String line;
      long lineno = 0;
      while ((line = in.readLine()) != null) {
        lineno++;
        int t1 = line.indexOf('\t');
        int t2 = t1 < 0 ? -1 : line.indexOf('\t', t1 + 1);
        if (t2 < 0) throw new BenchError(tsv + ":" + lineno + ": expected id<TAB>title<TAB>text");
        String title = line.substring(t1 + 1, t2);
        String text = line.substring(t2 + 1);
        Document doc = new Document();
        doc.add(new StoredField("id", line.substring(0, t1)));
        doc.add(new StoredField("title", title));
        doc.add(new TextField("body", title, Field.Store.NO));
        doc.add(new TextField("body", text, Field.Store.NO));
        w.addDocument(doc);
        docs++;
        textBytes += utf8Length(title) + utf8Length(text);
      }
      w.forceMerge(1);
      w.commit();
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    System.out.printf(java.util.Locale.ROOT,
        "{\"engine\": \"lucene\", \"docs\": %d, \"text_bytes\": %d, \"seconds\": %.3f, "
        + "\"mb_per_s\": %.2f, \"index_bytes\": %d, \"peak_rss_mb\": %.1f}%n",
        docs, textBytes, secs, secs > 0 ? textBytes / 1e6 / secs : 0.0,
        dirBytes(Paths.get(dir)), peakRssMb());
  }

  // ----------------------------------------------------------------- search

  private static final class Searcher implements AutoCloseable {
    final DirectoryReader reader;
    final IndexSearcher searcher;
    final QueryParser parser;

    Searcher(String dir) throws IOException {
      reader = DirectoryReader.open(FSDirectory.open(new File(dir)));
      searcher = new IndexSearcher(reader);
      searcher.setSimilarity(new BM25Similarity());
      parser = new QueryParser("body", analyzer());
      parser.setDefaultOperator(QueryParser.Operator.AND);
      parser.setAutoGeneratePhraseQueries(true);
    }

    /** Top 10 of the translated query: {id, title} per hit, best first. */
    String[][] run(String luceneQuery, String original) throws IOException, BenchError {
      Query q;
      try {
        q = parser.parse(luceneQuery);
      } catch (ParseException e) {
        throw new BenchError(original + " (Lucene: " + luceneQuery + "): " + e.getMessage());
      }
      TopDocs td = searcher.search(q, TOP_K);
      String[][] hits = new String[td.scoreDocs.length][];
      int i = 0;
      for (ScoreDoc sd : td.scoreDocs) {
        Document d = searcher.doc(sd.doc);
        hits[i++] = new String[] {d.get("id"), d.get("title")};
      }
      return hits;
    }

    @Override
    public void close() throws IOException {
      reader.close();
    }
  }

  private static final class Q {
    String cls, text, lucene;
    int ci;
  }

  private static List<Q> readQueries(String path, List<String> classes) throws IOException, BenchError {
    List<Q> qs = new ArrayList<>();
    List<String> lines;
    try {
      lines = Files.readAllLines(Paths.get(path), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new BenchError(path + ": " + e);
    }
    int lineno = 0;
    for (String line : lines) {
      lineno++;
      line = line.replaceAll("[\r\n]+$", "");
      if (line.isEmpty() || line.charAt(0) == '#') continue;
      int tab = line.indexOf('\t');
      if (tab < 0) throw new BenchError(path + ":" + lineno + ": no TAB between class and query");
      Q q = new Q();
      q.cls = line.substring(0, tab);
      q.text = line.substring(tab + 1);
      try {
        q.lucene = translate(q.text);
      } catch (BenchError e) {
        throw new BenchError(path + ":" + lineno + ": " + q.text + ": " + e.getMessage());
      }
      q.ci = classes.indexOf(q.cls);
      if (q.ci < 0) {
        q.ci = classes.size();
        classes.add(q.cls);
      }
      qs.add(q);
    }
    if (qs.isEmpty()) throw new BenchError(path + ": no queries");
    return qs;
  }

  /** Nearest-rank percentile p (integer percent) of sorted s, non-empty. */
  private static double percentile(double[] s, int p) {
    int rank = (int) ((p * (long) s.length + 99) / 100);
    rank = Math.max(1, Math.min(rank, s.length));
    return s[rank - 1];
  }

  private static String jsonString(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  private static void query(String dir, String qfile, String passesS, String warmS) throws Exception {
    long passes;
    double warmSeconds;
    try {
      passes = Long.parseLong(passesS);
      warmSeconds = warmS == null ? 10 : Double.parseDouble(warmS);
    } catch (NumberFormatException e) {
      throw new BenchError("PASSES and WARMUP_SECONDS must be numbers: " + e.getMessage());
    }
    if (passes < 1 || passes > MAX_PASSES)
      throw new BenchError("PASSES: expected 1.." + MAX_PASSES + ", got " + passesS);
    List<String> classes = new ArrayList<>();
    List<Q> qs = readQueries(qfile, classes);
    long sink = 0;
    int[] zero = new int[classes.size()], nq = new int[classes.size()];
    try (Searcher s = new Searcher(dir)) {
      /* JIT warm-up: at least MIN_WARMUP_PASSES passes and warmSeconds. */
      long warmStart = System.nanoTime();
      int warmPasses = 0;
      while (warmPasses < MIN_WARMUP_PASSES || (System.nanoTime() - warmStart) / 1e9 < warmSeconds) {
        for (Q q : qs) {
          String[][] hits = s.run(q.lucene, q.text);
          if (warmPasses == 0) {
            nq[q.ci]++;
            if (hits.length == 0) zero[q.ci]++;
          }
          sink += hits.length;
        }
        warmPasses++;
      }
      double[][] ms = new double[classes.size()][];
      int[] fill = new int[classes.size()];
      for (int c = 0; c < classes.size(); c++) ms[c] = new double[(int) (nq[c] * passes)];
      for (long p = 0; p < passes; p++) {
        for (Q q : qs) {
          long t0 = System.nanoTime();
          String[][] hits = s.run(q.lucene, q.text);
          for (String[] h : hits) sink += h[0].length() + h[1].length();
          ms[q.ci][fill[q.ci]++] = (System.nanoTime() - t0) / 1e6;
        }
      }
      StringBuilder out = new StringBuilder();
      out.append(String.format(java.util.Locale.ROOT,
          "{\"engine\": \"lucene\", \"passes\": %d, \"warmup_passes\": %d, "
          + "\"warmup_seconds\": %.1f, \"classes\": {",
          passes, warmPasses, (System.nanoTime() - warmStart) / 1e9));
      for (int c = 0; c < classes.size(); c++) {
        double[] v = ms[c];
        Arrays.sort(v);
        double sum = 0;
        for (double x : v) sum += x;
        out.append(c > 0 ? ",\n  " : "\n  ").append(jsonString(classes.get(c)));
        out.append(String.format(java.util.Locale.ROOT,
            ": {\"n\": %d, \"queries\": %d, \"zero_hit_queries\": %d, \"p50_ms\": %.4f, "
            + "\"p95_ms\": %.4f, \"p99_ms\": %.4f, \"mean_ms\": %.4f}",
            v.length, nq[c], zero[c], percentile(v, 50), percentile(v, 95),
            percentile(v, 99), sum / v.length));
      }
      out.append("},\n \"sink\": ").append(sink).append("}");
      System.out.println(out);
    }
  }

  private static void cold(String dir, String text) throws Exception {
    String lq = translate(text);
    try (Searcher s = new Searcher(dir)) {
      StringBuilder out = new StringBuilder();
      int rank = 0;
      for (String[] h : s.run(lq, text))
        out.append(++rank).append('\t').append(h[0]).append('\t').append(h[1]).append('\n');
      System.out.print(out);
      System.out.flush();
    }
  }

  public static void main(String[] args) {
    try {
      if (args.length == 3 && args[0].equals("build")) {
        build(args[1], args[2]);
      } else if ((args.length == 4 || args.length == 5) && args[0].equals("query")) {
        query(args[1], args[2], args[3], args.length == 5 ? args[4] : null);
      } else if (args.length == 3 && args[0].equals("cold")) {
        cold(args[1], args[2]);
      } else {
        System.err.println("usage: LuceneBench build TSV INDEXDIR\n"
            + "       LuceneBench query INDEXDIR QUERIES PASSES [WARMUP_SECONDS]\n"
            + "       LuceneBench cold INDEXDIR QUERY");
        System.exit(2);
      }
    } catch (BenchError e) {
      System.err.println("LuceneBench: " + e.getMessage());
      System.exit(2);
    } catch (Exception e) {
      System.err.println("LuceneBench: " + (args.length > 1 ? args[1] + ": " : "") + e);
      System.exit(2);
    }
  }
}
