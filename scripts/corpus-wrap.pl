#!/usr/bin/perl
# corpus-wrap.pl FILE PREFIX: print FILE as a psql script in which every SQL
# statement is preceded by a check of it:
#
#     SELECT pgm_corpus.examine('PREFIX_N', $pgmcorpus$STATEMENT$pgmcorpus$);
#     STATEMENT
#
# and psql's backslash commands pass through where they were.  Used by
# scripts/corpus.sh.
#
# corpus-wrap.pl FILE PREFIX apply: every DDL statement (CREATE, ALTER, DROP,
# COMMENT, GRANT, REVOKE, SECURITY LABEL, DO, REFRESH, ...; not those that cannot run
# in a transaction block) runs through pgm_records.run() instead, which
# registers and applies it as a revision and says whether it did; when it
# did not, the statement runs as it is:
#
#     \set pgm_applied f
#     SELECT pgm_records.run('PREFIX_N', $pgmcorpus$STATEMENT$pgmcorpus$) AS pgm_applied \gset
#     \if :pgm_applied
#     \else
#     STATEMENT;
#     \endif
#
# Every other statement runs as it is.  Used by scripts/records-corpus.sh.
#
# Statements are split as psql splits them: at a
# semicolon outside quotes ('...', E'...', "...", $tag$...$tag$) and
# comments (--, nested /* */), or at a \g-style command that ends a query.
# A statement that names psql variables (:name, :'name', :"name") is run
# but not checked: the check would see it before psql fills them in.
use strict;
use warnings;

my ($file, $prefix, $mode) = @ARGV;
$mode //= 'examine';
open(my $in, '<', $file) or die "cannot read $file: $!";
local $/;
my $text = <$in>;
close($in);

my $n = 0;
my $buf = '';          # the statement being collected
my $len = length($text);
my $i = 0;
my $at_line_start = 1;

sub flush_statement {
    my ($terminator) = @_;
    my $stmt = $buf;
    $buf = '';
    (my $bare = $stmt) =~ s/^\s+|\s+$//g;
    if ($bare eq '') {
        print $stmt, $terminator;
        return;
    }
    $n++;
    my $has_vars = ($bare =~ /(?<![:\w]):['"]?[A-Za-z_]/);
    if ($mode eq 'apply') {
        if (!$has_vars && $bare !~ /\$pgmcorpus\$/ && $terminator eq ';' && is_ddl($bare)) {
            print "\n\\set pgm_applied f\n",
                  "SELECT pgm_records.run('${prefix}_$n', \$pgmcorpus\$$bare\$pgmcorpus\$) AS pgm_applied \\gset\n",
                  "\\if :pgm_applied\n\\else\n", $stmt, $terminator, "\n\\endif\n";
        } else {
            print $stmt, $terminator;
            # a REINDEX or a concurrent build by hand changes the schema
            # without a line in migrate.log: recorded at once
            print "\nSELECT pgm_records.settle(true);\n"
                if $bare =~ /^\s*REINDEX\b|\bCONCURRENTLY\b/i;
        }
        return;
    }
    if (!$has_vars && $bare !~ /\$pgmcorpus\$/) {
        print "SELECT pgm_corpus.examine('${prefix}_$n', \$pgmcorpus\$$bare\$pgmcorpus\$);\n";
    }
    print $stmt, $terminator;
}

# Is the statement (without leading blanks) DDL that a revision may hold:
# its comments skipped, does it begin with a DDL command that can run in a
# transaction block?
sub is_ddl {
    my ($sql) = @_;
    1 while $sql =~ s{^\s*(--[^\n]*\n?|/\*.*?\*/)}{}s;
    return 0 if $sql =~ /^\s*(CREATE|ALTER|DROP)\s+(DATABASE|TABLESPACE|SYSTEM|SUBSCRIPTION)\b/i;
    return 0 if $sql =~ /\bCONCURRENTLY\b/i;
    return $sql =~ /^\s*(CREATE|ALTER|DROP|COMMENT|GRANT|REVOKE|SECURITY\s+LABEL|DO|REASSIGN|IMPORT|REFRESH)\b/i;
}

while ($i < $len) {
    my $c = substr($text, $i, 1);
    my $rest = substr($text, $i, 2);

    # a backslash command at the start of a line: up to the end of the line
    if ($at_line_start && $buf =~ /^\s*$/s && $c eq '\\') {
        my $eol = index($text, "\n", $i);
        $eol = $len - 1 if $eol < 0;
        print $buf, substr($text, $i, $eol - $i + 1);
        $buf = '';
        $i = $eol + 1;
        $at_line_start = 1;
        next;
    }
    # a backslash command after a query: \g, \gset, \gx, \gexec, \crosstabview ... end it
    if ($c eq '\\') {
        my $eol = index($text, "\n", $i);
        $eol = $len - 1 if $eol < 0;
        my $cmd = substr($text, $i, $eol - $i + 1);
        if ($cmd =~ /^\\(g|gset|gx|gexec|gdesc|crosstabview|watch)\b/) {
            flush_statement($cmd);
        } else {
            print $buf, $cmd;
            $buf = '';
        }
        $i = $eol + 1;
        $at_line_start = 1;
        next;
    }
    $at_line_start = 0;
    if ($rest eq '--') {
        my $eol = index($text, "\n", $i);
        $eol = $len - 1 if $eol < 0;
        $buf .= substr($text, $i, $eol - $i + 1);
        $i = $eol + 1;
        $at_line_start = 1;
        next;
    }
    if ($rest eq '/*') {
        my $depth = 0;
        my $j = $i;
        while ($j < $len) {
            if (substr($text, $j, 2) eq '/*') { $depth++; $j += 2; next; }
            if (substr($text, $j, 2) eq '*/') { $depth--; $j += 2; last if $depth == 0; next; }
            $j++;
        }
        $buf .= substr($text, $i, $j - $i);
        $i = $j;
        next;
    }
    if ($c eq "'" ) {
        my $escapes = ($i > 0 && substr($text, $i - 1, 1) =~ /[eE]/);
        my $j = $i + 1;
        while ($j < $len) {
            my $d = substr($text, $j, 1);
            if ($escapes && $d eq '\\') { $j += 2; next; }
            if ($d eq "'") {
                if (substr($text, $j + 1, 1) eq "'") { $j += 2; next; }
                last;
            }
            $j++;
        }
        $buf .= substr($text, $i, $j - $i + 1);
        $i = $j + 1;
        next;
    }
    if ($c eq '"') {
        my $j = index($text, '"', $i + 1);
        $j = $len - 1 if $j < 0;
        $buf .= substr($text, $i, $j - $i + 1);
        $i = $j + 1;
        next;
    }
    if ($c eq '$' && substr($text, $i) =~ /^(\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$)/
        && !($i > 0 && substr($text, $i - 1, 1) =~ /[A-Za-z_0-9]/)) {
        my $tag = $1;
        my $j = index($text, $tag, $i + length($tag));
        $j = $len - length($tag) if $j < 0;
        $buf .= substr($text, $i, $j + length($tag) - $i);
        $i = $j + length($tag);
        next;
    }
    if ($c eq ';') {
        flush_statement(";");
        $i++;
        next;
    }
    $at_line_start = 1 if $c eq "\n";
    $buf .= $c;
    $i++;
}
print $buf;
