/* placeholder: replaced by the cli implementation */
int main(void) { return 0; }
