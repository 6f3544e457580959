"""The one DOT writer: hostile names (quotes, backslashes, newlines, markup) stay inside their strings
and labels, in the writer itself and in every drawing written through it."""

from __future__ import annotations

import pygraphviz
import pytest
from torch import nn

import vizcore
from vizcore import dot_writer as dot
from vizcore import formats
from vizcore.drawing.graphview import graph_dot, layer_graph
from vizcore.drawing.render import render_svg

HOSTILE = 'a"b\\c<i>&'


def test_quote_escapes_quotes_backslashes_and_newlines() -> None:
    assert dot.quote('say "hi"') == '"say \\"hi\\""'
    assert dot.quote("C:\\temp") == '"C:\\\\temp"'
    assert dot.quote("two\nlines") == '"two\\nlines"'
    assert dot.quote("one", "two") == '"one\\ntwo"'
    assert dot.quote("crlf\r\n") == '"crlf\\n"'


def test_html_label_escapes_markup() -> None:
    label = dot.html_label(("<b>bold</b> & co", 18), ('"x"', 10))
    assert label.markup == (
        '<<font point-size="18">&lt;b&gt;bold&lt;/b&gt; &amp; co</font><br/><font point-size="10">&quot;x&quot;</font>>'
    )


def test_values_and_statements() -> None:
    assert dot.attr_list({"weight": 4, "width": 0.42, "style": "rounded,filled", "fixed": True}) == (
        ' [weight=4, width=0.42, style="rounded,filled", fixed="true"]'
    )
    assert dot.node("n1") == '"n1";'
    assert dot.edge("a", "b", {"label": ' +64"'}) == '"a" -> "b" [label=" +64\\""];'
    assert dot.cluster("x", {"label": "y"}, ['"n";']) == ['subgraph "cluster_x" {', '  label="y";', '  "n";', "}"]


def test_a_hostile_graph_parses_and_draws_its_names() -> None:
    """DOT keeps ``\\\\`` as two characters in a name and reads it as one backslash only when a label is
    drawn, so names come back doubled (the same in every statement) and labels are drawn as written;
    a name ending in a backslash cannot swallow its closing quote."""
    body = [dot.node(HOSTILE, {"label": HOSTILE + "\nsecond"}), dot.node("end\\"), dot.edge(HOSTILE, "end\\")]
    body += dot.cluster(HOSTILE, {"label": HOSTILE}, [dot.node("inside", {"label": dot.html_label((HOSTILE, 12))})])
    text = dot.digraph('g"1', {"label": HOSTILE}, body)
    graph = pygraphviz.AGraph(string=text)
    doubled = HOSTILE.replace("\\", "\\\\")
    assert sorted(graph.nodes()) == sorted([doubled, "end\\\\", "inside"])
    assert graph.edges() == [(doubled, "end\\\\")]
    assert graph.get_node(doubled).attr["label"] == doubled + "\\nsecond"
    assert graph.get_node("inside").attr["label"] == '<font point-size="12">a&quot;b\\c&lt;i&gt;&amp;</font>'
    assert [s.name for s in graph.subgraphs()] == ["cluster_" + doubled]
    svg = render_svg(text)
    drawn = "a&quot;b\\c&lt;i&gt;&amp;"  # one backslash, the markup as text: title, cluster, two nodes
    assert svg.count(f">{drawn}</text>") == 4 and ">second</text>" in svg and "<i>" not in svg


def hostile_model() -> nn.Module:
    model = nn.Sequential()
    model.add_module(HOSTILE, nn.Conv2d(3, 4, 3))
    model.add_module("relu\n2", nn.ReLU())
    return model


@pytest.fixture(scope="module")
def hostile() -> vizcore.Analysis:
    return vizcore.analyze(hostile_model(), (1, 3, 8, 8), device="cpu")


def test_layer_graph_with_a_hostile_layer_name(hostile: vizcore.Analysis) -> None:
    text = graph_dot(layer_graph(hostile), title=HOSTILE)
    graph = pygraphviz.AGraph(string=text)
    assert graph.graph_attr["label"] == HOSTILE.replace("\\", "\\\\")  # the title, whole
    tooltips = [graph.get_node(n).attr["tooltip"] for n in graph.nodes()]
    assert any(t.startswith('a"b\\\\c<i>& (Conv2d)') for t in tooltips)
    svg = render_svg(text)
    assert "a&quot;b\\c&lt;i&gt;&amp;" in svg and "<i>" not in svg


def test_data_flow_dump_with_a_hostile_layer_name(hostile: vizcore.Analysis) -> None:
    graph = pygraphviz.AGraph(string=formats.dataflow_dot(hostile))
    labels = [graph.get_node(n).attr["label"] for n in graph.nodes()]
    assert labels == [  # 3*4*3*3 weights + 4 biases; 3*3*3 MACs at each of 4x6x6 outputs; DOT's escapes as written
        "input\\ninput\\n1x3x8x8",
        'a"b\\\\c<i>&\\nConv2d\\n1x4x6x6\\n112 params, 3.89 k MACs\\nRF 3, stride 1',
        "relu\\n2\\nReLU\\n1x4x6x6\\nRF 3, stride 1",  # the name's newline is a line break, not a new statement
        "output\\noutput\\n1x4x6x6",
    ]
    assert graph.subgraphs() == []  # the layers sit right under the model: no cluster
    svg = render_svg(formats.dataflow_dot(hostile))
    assert ">a&quot;b\\c&lt;i&gt;&amp;</text>" in svg and ">relu</text>" in svg and "<i>" not in svg
