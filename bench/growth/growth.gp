# bench/growth/growth.gp — the growth plot from the table of
# `swsearch-regress table` (tab-separated, one header line):
#   K docs text_mb build_s mb_per_s peak_rss_mb index_mb {class_p50 class_p99}*
# Called by bench/growth/run.sh as
#   gnuplot -e "datafile='T.tsv'; outfile='growth.png'; ncls=5" growth.gp
# Four panels against the scale factor K (log scale, 1 2 5 10): build time
# (with the line of exactly linear growth from K=1), peak RSS and index size,
# p50 per class, p99 per class.
if (!exists("datafile")) datafile = 'results/growth.tsv'
if (!exists("outfile")) outfile = 'growth.png'
if (!exists("ncls")) ncls = 5

set terminal pngcairo size 1400,1000 font ',11' noenhanced
set output outfile
set datafile separator "\t"
set key autotitle columnhead
set logscale x
set xtics ("1" 1, "2" 2, "5" 5, "10" 10)
set xrange [0.9:11]
set xlabel 'scale factor K (copies of the corpus; copies 2..K synthetic)'
set grid
set key top left

stats datafile using 4 every ::0::0 nooutput
t1 = STATS_min

set multiplot layout 2,2 title 'swsearch growth on a synthetic scale-up of ../shared/corpus (SYNTHETIC copies: shuffled words)'

set title 'build time (sw_build, one thread)'
set ylabel 'seconds'
set logscale y
plot datafile using 1:4 with linespoints lw 2 pt 7 title 'build s', \
     t1 * x with lines dt 2 lc rgb 'gray' title 'linear from K=1'

set title 'memory and disk'
set ylabel 'MB (1e6 bytes)'
plot datafile using 1:6 with linespoints lw 2 pt 7 title 'peak RSS of the build', \
     datafile using 1:7 with linespoints lw 2 pt 5 title 'index size'

set title 'p50 query latency per class (top 10)'
set ylabel 'ms'
plot for [i=0:ncls-1] datafile using 1:(column(8 + 2*i)) with linespoints lw 2 \
     title columnhead(8 + 2*i)

set title 'p99 query latency per class (top 10)'
set ylabel 'ms'
plot for [i=0:ncls-1] datafile using 1:(column(9 + 2*i)) with linespoints lw 2 \
     title columnhead(9 + 2*i)

unset multiplot
