package pipeline

import (
	"fmt"
	"slices"
	"testing"

	"github.com/segmentio/kafka-go"
)

// A batch is divided so that each partition's messages stay together and in
// order, over no more parts than configured.
func TestSplitKeepsEachPartitionInOrder(t *testing.T) {
	var batch []kafka.Message
	for i := range 40 {
		batch = append(batch, kafka.Message{Topic: fmt.Sprintf("t%d", i%2), Partition: i % 5, Offset: int64(i)})
	}
	for _, n := range []int{0, 1, 3, 10} {
		c := &Consumer{cfg: ConsumerConfig{Partitions: n}}
		parts := c.split(batch)
		if want := min(max(n, 1), 10); len(parts) != want {
			t.Errorf("Partitions %d: %d parts, want %d", n, len(parts), want)
		}
		home, last := map[string]int{}, map[string]int64{}
		var all []kafka.Message
		for i, part := range parts {
			for _, m := range part {
				key := fmt.Sprintf("%s/%d", m.Topic, m.Partition)
				if h, ok := home[key]; ok && h != i {
					t.Errorf("Partitions %d: %s in parts %d and %d", n, key, h, i)
				}
				if o, ok := last[key]; ok && o > m.Offset {
					t.Errorf("Partitions %d: %s out of order", n, key)
				}
				home[key], last[key] = i, m.Offset
			}
			all = append(all, part...)
		}
		slices.SortFunc(all, func(a, b kafka.Message) int { return int(a.Offset - b.Offset) })
		if !slices.EqualFunc(all, batch, func(a, b kafka.Message) bool { return a.Offset == b.Offset }) {
			t.Errorf("Partitions %d: the parts do not hold the batch exactly once", n)
		}
	}
}
