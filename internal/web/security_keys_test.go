package web

func init() {
	moreHandlerKeys = append(moreHandlerKeys, "error.limited") // fail's heading for fosis.ELIMITED
}
